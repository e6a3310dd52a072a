"""One home for each product policy that several views apply: who may do what (``roles``), how
urgencies rank and look (``urgency``), and when a red flag decides the visit (``visit``).

Pure data and functions, no Streamlit, ReportLab or database: the screen, the PDFs, storage and
practice scoring read the same answer here instead of each keeping its own copy.
"""
