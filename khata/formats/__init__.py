"""Date formats per language where Django's own differ from what our users read (``FORMAT_MODULE_PATH``)."""
