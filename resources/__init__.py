"""Talk's icons and styles, installed as ``talkapp.resources``."""
