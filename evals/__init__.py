"""Evaluation of answer quality over a golden question set (citations, retrieval, abstention)."""
