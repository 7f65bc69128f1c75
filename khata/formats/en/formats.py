# English dates read day first, as on the pages and in India and Europe ("27 Nov 2026"), not as in
# the United States ("Nov. 27, 2026"). Anything not set here comes from Django's English formats.
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
