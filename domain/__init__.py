"""Pure rules of welcome-center: no Prefect, no SQL, no files, no clock.

Every function takes values (today's date and the holiday calendar included) and returns values.
"""
