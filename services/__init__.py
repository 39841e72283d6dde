"""Services: the use cases (open a case, record a step, take in a file, write letters, send reminders,
import, export), each once. Plain functions with keyword-only arguments and no Prefect; the caller owns
the transaction, so a change and its audit entry commit together. Every door calls these: the CLI, the
web page, the CSV import and the flows."""
