<?php
/**
 * Environment initialization (demo).
 */
error_reporting(E_ALL);
define('BP', dirname(__DIR__));
require_once BP . '/vendor/autoload.php';
date_default_timezone_set('UTC');
