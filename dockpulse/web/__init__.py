"""The staff panel's plumbing, shared by every app's pages (docs/panel.md).

Access checks (`access`), the navigation and permission view the base layout reads
(`context_processors`), form rendering and service errors on fields (`forms`), list
pages' sorting and pagination (`listing`), CSV uploads kept between the preview and
the import (`uploads`), server-rendered SVG charts (`charts`) and the template filters
for money, numbers and dates (`templatetags/panel`). Like the rest of the core it names
no domain app: apps declare their navigation and search in dockpulse.extensions.
"""
