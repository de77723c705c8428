"""Path converters. A number outside what the database's integer columns hold names nothing:
the address answers 404 before a lookup that SQLite would refuse as an overflow (a 500)."""

# PositiveIntegerField is a 32-bit signed integer on PostgreSQL.
LARGEST = 2**31 - 1


class PositiveIntegerConverter:
    """`<positive_int:name>`: 1 to 2**31 - 1; anything else does not match (404)."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= LARGEST:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)
