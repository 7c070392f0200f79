"""The recapitulation check (issue 15): the TPS master list, the forms' sums region by
region, recap forms and published figures side by side, and the differences between them.

The sums are kept by the metadata store as records change (db/recap_upkeep.py); this
package reads files in (``master_list``, ``published_files``), imports them
(``imports``), builds a region's comparison (``comparison``) and writes it out
(``exports``, ``chart``)."""
