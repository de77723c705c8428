"""The regulator's dashboard and the public statistics page.

Every figure is one aggregate query (GROUP BY in the database); a render costs the same number of
queries whatever the size of the data. `filters` reads the query string, `figures` runs the
queries, `pending` holds the selectors of panels whose data other parts of the platform are still
building, `charts` lays out the SVG, `tables` turns figures into exportable tables.

The portal's dashboards of the people who do the work sit beside it (`portal_views`): a body's
open tasks with their due dates (`worklist`) and an enterprise's certificates, surveillance and
labels (`holder`), drawn with the same charts.
"""
