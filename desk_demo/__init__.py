"""The demo: a profile filled with two shops, a case of every type, orders, weights and generated pictures.

Outside the core on purpose: desk/ and ui/ never import it, so the desk works (and ships) without it.
It comes in through main.py (`--demo`) and the CLI's `demo` command, which the CLI finds through the
`desk.commands` entry point that pyproject.toml declares for desk_demo.cli.

    cases.py       the demo shops and cases with their evidence; fill_demo() adds them to an open desk
    case_depth.py  deadlines, money, the platform's type and reason, shop details, a saved view
    orders.py      a 拼多多 订单导出 imported the real way, products with weights, weight records
    images/        the evidence pictures, one module per kind of picture
    bulk.py        many generated cases at once, for benchmarks and scale tests
    cli.py         the `demo` command
"""
