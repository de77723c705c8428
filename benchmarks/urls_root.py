"""The benchmark's root URLconf: the baseline views first, then the product's URLs unchanged."""

from django.urls import include, path

from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [path("", include("benchmarks.urls")), *product_urlpatterns]
