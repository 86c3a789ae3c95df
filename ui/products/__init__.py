"""The 商品 window: SKUs with unit and packaging weights."""
