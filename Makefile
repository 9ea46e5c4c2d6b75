# Ledger: one command to run, one to test. See README.md.
.PHONY: run test infra build clean help reset

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

run: ## Start PostgreSQL, RabbitMQ and the four services (Ctrl-C stops them)
	@infra/run.sh

reset: ## Remove this checkout's local ledger (its databases, RabbitMQ vhost, .ledger/); says what first
	@infra/reset.sh

test: ## Start PostgreSQL and RabbitMQ, then run every test
	@infra/test.sh

infra: ## Only start PostgreSQL and RabbitMQ (idempotent)
	@infra/up.sh

.PHONY: compose-secrets compose-up compose-down
compose-secrets: ## Create the keys docker-compose.yml mounts (once; compose-up does it for you)
	@infra/compose-secrets.sh

compose-up: ## The whole stack in containers: engine, keys, images (local ones without a registry), health, addresses
	@infra/compose.sh up

compose-down: ## Remove the stack's containers and network (the data volume stays: infra/compose.sh down --volumes)
	@infra/compose.sh down

build: ## Build the solution
	dotnet build Ledger.sln -c Release

clean: ## Remove build output
	dotnet clean Ledger.sln -v quiet

.PHONY: bench hosts
bench: hosts ## Run the benchmarks in Release (one: make bench SCENARIO=verify) against the ReadyToRun hosts; starts PostgreSQL and RabbitMQ first
	@infra/up.sh
	@. infra/env.sh && LEDGER_SERVICE_HOSTS=$(CURDIR)/artifacts/hosts dotnet run --project bench/Ledger.Benchmarks -c Release -- $(if $(SCENARIO),--scenario $(SCENARIO)) --results bench/results

hosts: ## Publish the four service hosts ReadyToRun (as the Dockerfile does) into artifacts/hosts
	@. infra/env.sh && for service in Notary Issuance Revocation Attestation; do \
	  dotnet publish services/Ledger.$$service/Ledger.$$service.csproj -c Release -r linux-x64 --self-contained false \
	    -p:PublishReadyToRun=true -p:UseAppHost=false -o artifacts/hosts/Ledger.$$service -v quiet -nologo || exit 1; \
	done

.PHONY: cluster cluster-down
cluster: ## Scaled out on this machine, no Docker: 3 RabbitMQ nodes, PostgreSQL primary + synchronous standby, 2 replicas per service behind HAProxy (docs/SCALING.md)
	@infra/cluster.sh up

cluster-down: ## Stop what make cluster started (data kept; infra/cluster.sh destroy removes it)
	@infra/cluster.sh down
