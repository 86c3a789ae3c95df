"""售后申诉工作台 Qt user interface; talks to `desk` only through its service facade."""
