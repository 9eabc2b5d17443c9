"""Document camera (高拍仪): UVC through OpenCV VideoCapture, and a simulator on the same path."""
