"""The chapters of the report, in reading order: the one list the build, the tests and the checks read.

The research chapters each write their findings, estimates and tests; the readers (the
conclusion and the appendices) read them, so a reader runs after every research chapter of its
language. The conclusion closes the main part; the appendices follow the questionnaire.
"""

RESEARCH = ("sample", "perception", "implementation", "management")
CONCLUSION = ("conclusion",)
APPENDICES = ("claims", "reproduction")
#: The chapters that read the research chapters' findings.
READERS = CONCLUSION + APPENDICES
ALL = RESEARCH + READERS
