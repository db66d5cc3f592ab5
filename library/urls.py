app_name = "library"

urlpatterns = []
