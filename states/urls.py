app_name = "states"

urlpatterns = []
