from welcome_center.cli import app

app(prog_name="welcome-center")
