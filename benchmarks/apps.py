from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """Developer tooling: registered only so that `manage.py generate_benchmark_data` is found.

    No models; its URLs (the load test's raw-SQL baseline, benchmarks/urls.py) are served only
    by the gunicorn benchmarks/load.py starts with benchmarks/settings.py, never by the
    portal's URLconf. The product never imports it (import-linter's "Product code never
    imports the benchmarks").
    """

    name = "benchmarks"
    verbose_name = "Benchmarks"
