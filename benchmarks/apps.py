from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """Developer tooling: registered only so that `manage.py generate_benchmark_data` is found.

    No models, no URLs; the product never imports it (import-linter's "Product code never
    imports the benchmarks").
    """

    name = "benchmarks"
    verbose_name = "Benchmarks"
