"""The Streamlit web app: pages gather input, call the workspace, render the result.
Imports the workspace and the shared vocabulary; never Qdrant, Presidio or LlamaIndex."""
