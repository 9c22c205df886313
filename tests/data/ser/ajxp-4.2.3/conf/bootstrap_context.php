<?php
/*
 * AjaXplorer 4.2 configuration file (shape of conf/bootstrap_context.php @ajaxplorer-core-4.2.3).
 * This is the main configuration file for configuring the core of the application.
 */
if(function_exists("date_default_timezone_set") and function_exists("date_default_timezone_get")){
	@date_default_timezone_set(@date_default_timezone_get());
}
if(function_exists("xdebug_disable")){
	xdebug_disable();
}
@error_reporting(E_ALL & ~E_NOTICE);
//Windows users may have to uncomment this
setlocale(LC_ALL, '');


$installPath = realpath(dirname(__FILE__)."/..");
$confPath = realpath(dirname(__FILE__));

list($vNmber,$vDate) = explode("__",file_get_contents($confPath."/VERSION"));
define("AJXP_VERSION", $vNmber);
define("AJXP_VERSION_DATE", $vDate);

define("AJXP_EXEC", true);
require("compat.php");

// APPLICATION PATHES CONFIGURATION
define("AJXP_INSTALL_PATH", $installPath);
define("AJXP_CONF_PATH", $confPath);
define("AJXP_DATA_PATH", AJXP_INSTALL_PATH."/data");
define("AJXP_CACHE_DIR", AJXP_DATA_PATH."/cache");
define("AJXP_PLUGINS_CACHE_FILE", AJXP_CACHE_DIR."/plugins_cache.ser");
define("AJXP_SERVER_ACCESS", "index.php");
define("AJXP_PLUGINS_FOLDER", "plugins");
define("AJXP_BIN_FOLDER", AJXP_INSTALL_PATH."/core/classes");
define("INITIAL_ADMIN_PASSWORD", "admin");
// Startup admin password (used at first creation).
define("ADMIN_PASSWORD", "admin");

// DEBUG OPTIONS
define("AJXP_CLIENT_DEBUG",	false);
define("AJXP_SERVER_DEBUG",	false);
define("AJXP_SKIP_CACHE", false);


function AjaXplorer_autoload($className){
	$fileName = AJXP_BIN_FOLDER."/"."class.".$className.".php";
	if(file_exists($fileName)){
		require_once($fileName);
        return;
	}
}
spl_autoload_register('AjaXplorer_autoload');

AJXP_Utils::safeIniSet("session.cookie_httponly", 1);

?>
