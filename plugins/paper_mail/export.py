"""Excel export of the filtered list (xlsxwriter, constant memory, formulas never evaluated).

Owner: helper « lists ».
"""
