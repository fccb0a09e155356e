"""HTTP routers, one per resource. They parse input, call one service, and set headers."""
