# Shortcuts; each one calls dev.py, which works with python3 alone.
.PHONY: run test proof proof-short bench messages
run:
	python3 dev.py run
test:
	python3 dev.py test
proof:
	python3 dev.py proof
proof-short:
	python3 dev.py proof --short
bench:
	.venv/bin/python bench/web.py
messages:
	.venv/bin/python manage.py makemessages --all --no-location --ignore '.venv/*' --ignore 'var/*' --ignore 'bench/*' --ignore 'tests/*' --ignore 'proof/*'
	.venv/bin/python manage.py compilemessages --ignore '.venv/*'
