# Sourced by the Makefile's scripts: the local defaults every service and test reads.
# Override any of them in the environment before running make.
export LEDGER_PG_PORT="${LEDGER_PG_PORT:-5432}"
export LEDGER_RABBITMQ_PORT="${LEDGER_RABBITMQ_PORT:-5672}"
export LEDGER_RABBITMQ_MANAGEMENT_PORT="${LEDGER_RABBITMQ_MANAGEMENT_PORT:-15672}"
export ConnectionStrings__Ledger="${ConnectionStrings__Ledger:-Host=127.0.0.1;Port=$LEDGER_PG_PORT;Database=ledger;Username=ledger;Password=ledger}"
export ConnectionStrings__RabbitMq="${ConnectionStrings__RabbitMq:-amqp://ledger:ledger@127.0.0.1:$LEDGER_RABBITMQ_PORT/}"
export LEDGER_TEST_POSTGRES="${LEDGER_TEST_POSTGRES:-$ConnectionStrings__Ledger}"
export LEDGER_TEST_RABBITMQ="${LEDGER_TEST_RABBITMQ:-$ConnectionStrings__RabbitMq}"
export LEDGER_TEST_RABBITMQ_MANAGEMENT="${LEDGER_TEST_RABBITMQ_MANAGEMENT:-http://ledger:ledger@127.0.0.1:$LEDGER_RABBITMQ_MANAGEMENT_PORT/}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
