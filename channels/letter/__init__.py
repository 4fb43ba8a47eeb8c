"""Postal letters: print-ready PDF rendering (print batches and the postal provider come later)."""
