"""A press's whole catalogue: every edition of many books, built on a process pool or a Dask cluster."""
