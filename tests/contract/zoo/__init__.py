"""The client zoo: one realistic workflow, a careful client, naive clients with one bug each and
clients built on retry libraries as their documentation configures them, run through the whole
shipped library by the ``assetfake`` marker (``library_run.py``)."""
