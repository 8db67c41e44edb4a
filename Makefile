# Shortcuts; each one calls dev.py, which works with python3 alone.
.PHONY: run test bench messages
run:
	python3 dev.py run
test:
	python3 dev.py test
bench:
	.venv/bin/python bench/web.py
messages:
	.venv/bin/python manage.py makemessages --all --no-location --ignore '.venv/*' --ignore 'var/*' --ignore 'bench/*' --ignore 'tests/*'
	.venv/bin/python manage.py compilemessages --ignore '.venv/*'
