from bookforge.cli import main

main(prog_name="bookforge")
