# Compañero developer commands. Everything here also works without Make: see README.md.
# `up`/`down`/`logs`/`health` drive deploy/docker-compose.yml (split mode behind nginx) when a Docker engine
# answers, and otherwise the embedded all-in-one server in the background (PID and log in ./data).

SHELL := /bin/bash
-include .env
export

PORT ?= 8000
HTTP_PORT ?= 80
COMPOSE := docker compose -f deploy/docker-compose.yml --env-file .env
HAS_DOCKER := $(shell docker info >/dev/null 2>&1 && echo yes)
PID_FILE := data/companero.pid
LOG_FILE := data/companero.log

.PHONY: setup up down test format lint db-migrate health logs db-shell redis-shell

setup: ## install dependencies and create .env from the example
	npm ci
	@test -f .env || (cp .env.example .env && echo "Created .env from .env.example")

up: ## start the platform (Docker stack, else the embedded server in the background)
ifeq ($(HAS_DOCKER),yes)
	$(COMPOSE) up -d --build
	@echo "Compañero is starting behind nginx at http://localhost:$(HTTP_PORT) (the first start pulls the Ollama model); make logs, make health"
else
	@mkdir -p data
	@if [ -f $(PID_FILE) ] && kill -0 $$(cat $(PID_FILE)) 2>/dev/null; then echo "Already running (pid $$(cat $(PID_FILE)))"; exit 0; fi
	@echo "No Docker engine: starting the embedded all-in-one server in the background"
	@LOG_FORMAT=json nohup node --import tsx apps/server/src/main.ts start >> $(LOG_FILE) 2>&1 & echo $$! > $(PID_FILE)
	@for i in $$(seq 1 60); do curl -fsS http://localhost:$(PORT)/ready >/dev/null 2>&1 && break; sleep 0.5; done
	@curl -fsS http://localhost:$(PORT)/ready && echo && echo "Compañero is up at http://localhost:$(PORT) (log: $(LOG_FILE))"
endif

down: ## stop what `make up` started
ifeq ($(HAS_DOCKER),yes)
	$(COMPOSE) down
else
	@if [ -f $(PID_FILE) ] && kill -0 $$(cat $(PID_FILE)) 2>/dev/null; then kill $$(cat $(PID_FILE)); \
	  while kill -0 $$(cat $(PID_FILE)) 2>/dev/null; do sleep 0.2; done; echo "Stopped"; else echo "Not running"; fi
	@rm -f $(PID_FILE)
endif

test: ## run the whole test suite (add DATABASE_URL/REDIS_URL to include the real servers)
	npm test

format: ## format every file with Biome
	npm run format

lint: ## Biome lint + TypeScript type-check of every workspace
	npm run lint

db-migrate: ## apply database migrations as the owner role
	node --import tsx apps/server/src/main.ts db migrate

health: ## liveness and readiness: of each service through nginx (Docker), else of the embedded server
ifeq ($(HAS_DOCKER),yes)
	@for prefix in auth hub ai channels; do \
	  echo "$$prefix: $$(curl -sS http://localhost:$(HTTP_PORT)/api/$$prefix/health) $$(curl -sS http://localhost:$(HTTP_PORT)/api/$$prefix/ready)"; \
	done
else
	@curl -sS -w "\n" http://localhost:$(PORT)/health
	@curl -sS -w "\n" http://localhost:$(PORT)/ready
endif

logs: ## follow the logs
ifeq ($(HAS_DOCKER),yes)
	$(COMPOSE) logs -f
else
	@test -f $(LOG_FILE) && tail -f $(LOG_FILE) || echo "No log yet: run 'make up' (or 'npm start', which logs to the terminal)"
endif

db-shell: ## psql on DATABASE_URL
	@if [ -n "$(DATABASE_URL)" ]; then psql "$(DATABASE_URL)"; else \
	  echo "The embedded mode uses PGlite (PostgreSQL in WebAssembly, in ./data/pg): there is no server to open psql on."; \
	  echo "Set DATABASE_URL in .env to use PostgreSQL."; fi

redis-shell: ## redis-cli on REDIS_URL
	@if [ -n "$(REDIS_URL)" ]; then redis-cli -u "$(REDIS_URL)"; else \
	  echo "The embedded mode keeps cache, rate limits and pub/sub in-process: there is no Redis to open."; \
	  echo "Set REDIS_URL in .env to use Redis."; fi
