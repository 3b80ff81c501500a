"""The chapters of the report, in reading order: the one list the build, the tests and the checks read.

The research chapters each write their findings; the appendices read them, so an appendix
runs after every research chapter of its language.
"""

RESEARCH = ("sample", "perception", "implementation", "management")
APPENDICES = ("reproduction",)
ALL = RESEARCH + APPENDICES
