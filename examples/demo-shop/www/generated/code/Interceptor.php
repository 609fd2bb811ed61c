<?php // generated interceptor (demo)
