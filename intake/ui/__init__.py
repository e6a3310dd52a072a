"""The Streamlit intake wizard: one module per step, a state module, and shared widgets.

The pages call `intake` (cases, knowledge, engine, drafts) and `reports`; no clinical logic
lives here.
"""
