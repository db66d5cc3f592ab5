app_name = "capacity"

urlpatterns = []
