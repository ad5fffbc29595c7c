"""The compliance logger: the air recorded into hour files, kept, chained, checked and extracted."""
