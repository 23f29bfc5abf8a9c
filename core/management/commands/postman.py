"""`manage.py postman`: write the Postman collection and environment (`--check`: fail when they are stale)."""

from django.core.management.base import BaseCommand, CommandError

from core import postman


class Command(BaseCommand):
    help = "Build docs/postman/ from docs/postman/workflow.yaml and the OpenAPI schema's examples."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Write nothing; exit 1 if the committed files are out of date."
        )

    def handle(self, *args, check=False, **options):
        try:
            built = postman.build()
        except postman.WorkflowError as exc:
            raise CommandError(str(exc)) from None
        files = {postman.COLLECTION: built.collection, postman.ENVIRONMENT: built.environment}
        stale = [path for path, document in files.items() if _read(path) != postman.render(document)]
        if check:
            if stale:
                names = ", ".join(str(path.relative_to(postman.POSTMAN_DIR.parent.parent)) for path in stale)
                raise CommandError(f"Out of date: {names}. Run `make postman` and commit the result.")
            self.stdout.write("The Postman collection is up to date.")
            return
        for path in stale:
            path.write_text(postman.render(files[path]))
        operations = len(built.operations)
        self.stdout.write(f"{operations} operations in {postman.COLLECTION.name}; {len(stale)} file(s) written.")


def _read(path) -> str | None:
    return path.read_text() if path.exists() else None
