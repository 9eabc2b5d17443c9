"""PC/SC smart cards (pyscard): readers, APDUs, the technician card and its virtual twin for vpcd."""
