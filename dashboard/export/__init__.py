"""Exports of a View: pictures (PNG, SVG, PDF through kaleido and the machine's Chromium; standalone HTML) and data
(JSON, CSV, iCalendar, TimelineJS), each format declared once in ``formats.REGISTRY``.

The modules: ``formats`` (the registry, and the dispatch every caller goes through), ``page`` (the figure of a
picture), ``pictures`` (drawing), ``browser`` (the browser the app's downloads share, and a batch's own), ``data``
(the data formats) and ``naming`` (batches and file names). The names the command line, the app and the tests use
are gathered here.
"""

from dashboard.export.browser import RenderBusy
from dashboard.export.data import to_ics, to_timelinejs
from dashboard.export.errors import ExportError
from dashboard.export.formats import (
    ALT_SUFFIX,
    DOWNLOAD_BYTES,
    DOWNLOAD_EVENTS,
    REGISTRY,
    DataFormat,
    Format,
    Picture,
    PictureFormat,
    alt_path,
    data_export,
    data_format,
    help_text,
    names,
    offered,
    picture_format,
    render_picture,
    write_pictures,
)
from dashboard.export.naming import FILE_NAME_MAX, batch_paths, batch_views, picture_names, safe_label
from dashboard.export.page import (
    PAPERS,
    SIZE_HELP,
    SIZES,
    STORY_PAGE,
    About,
    Furniture,
    PageSize,
    TooTall,
    about,
    export_figure,
    min_height,
    page_size,
    sources_line,
)
from dashboard.export.pictures import INSTALL_HINT, picture_size, to_html, too_many_pixels
from dashboard.markdown import to_html as summary_html

__all__ = [
    "ALT_SUFFIX",
    "DOWNLOAD_BYTES",
    "DOWNLOAD_EVENTS",
    "FILE_NAME_MAX",
    "INSTALL_HINT",
    "PAPERS",
    "REGISTRY",
    "SIZES",
    "SIZE_HELP",
    "STORY_PAGE",
    "About",
    "DataFormat",
    "ExportError",
    "Format",
    "Furniture",
    "PageSize",
    "Picture",
    "PictureFormat",
    "RenderBusy",
    "TooTall",
    "about",
    "alt_path",
    "batch_paths",
    "batch_views",
    "data_export",
    "data_format",
    "export_figure",
    "help_text",
    "min_height",
    "names",
    "offered",
    "page_size",
    "picture_format",
    "picture_names",
    "picture_size",
    "render_picture",
    "safe_label",
    "sources_line",
    "summary_html",
    "to_html",
    "to_ics",
    "to_timelinejs",
    "too_many_pixels",
    "write_pictures",
]
