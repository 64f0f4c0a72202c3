import BundleKit
print("stub")
