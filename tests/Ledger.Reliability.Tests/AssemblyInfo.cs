// One fault at a time: the outage tests stop the PostgreSQL and RabbitMQ every test here uses,
// and the load figures each test prints mean more on a machine that is not running another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
