"""PyInstaller.utils.hooks.django: what Django's hook asks about the app's Django project. A
project's settings are found by pybundle's analysis from the app's own imports, so no project
folder is reported here and the hook keeps to Django itself."""


def django_find_root_dir():
    return None


def django_dottedstring_imports(django_root_dir):
    return []
