UNDERSTOOD = set()
ID_ATTRIBUTES = {}
def build(resolver, estate):
    return estate
