"""Letter validation: is this PDF something the print centres can print? (issue 5)"""
