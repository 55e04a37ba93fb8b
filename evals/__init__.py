"""Evaluation of answer quality over the golden and real-text question sets: datasets, metric
functions, the runner, its reports and the gate. Imports the product, never the CLI."""
