"""售后申诉工作台 core: domain, storage, services and PDF packets — never imports Qt."""

__version__ = "0.1.0"
