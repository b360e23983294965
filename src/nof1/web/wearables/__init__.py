"""Wearable data in the web app: upload an export, check what was found, then store the days."""
