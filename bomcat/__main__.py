from bomcat.cli import main

main(prog_name="bomcat")
