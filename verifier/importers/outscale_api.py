def detect_file(file):
    return False
