"""The daily digest for communication teams: content (``build``), rendering (``render``)."""
