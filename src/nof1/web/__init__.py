"""The nof1 web app: a Django shell around the core. Only this package imports Django."""
